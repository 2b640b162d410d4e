package dockerops

import (
	"fmt"
	"strings"
)

// explainPull adds what to do to an error that comes from an engine unable
// to pull a base image: the stack's images build FROM public ones, and an
// air-gapped engine needs the local stand-ins that make run picks itself.
func explainPull(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, sign := range []string{"registry-1.docker.io", "pull access denied", "failed to resolve reference", "manifest unknown", "toomanyrequests"} {
		if strings.Contains(msg, sign) {
			return fmt.Errorf("%w\n(the engine cannot pull a base image. Without a registry, build the local ones with `make local-images` and set GO_IMAGE=ttsui-local/go:1.26 and DB_IMAGE=ttsui-local/mariadb:10.11 in the environment or .env; `make run` and `make up` do this for you)", err)
		}
	}
	return err
}
