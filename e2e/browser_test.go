package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's Chromium (apt-get install chromium).
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: install it (apt-get install chromium); .ci/run does")
	return ""
}

// newBrowser starts a headless Chromium for one test. Per chromedp's rules the
// first Run allocates the browser and must not carry a timeout; the returned
// context, derived after that, bounds the test's steps.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
	)
	if os.Getenv("TTSUI_E2E_HEADFUL") != "" {
		opts = append(opts, chromedp.Flag("headless", false))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelCtx := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(bctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// submitLogin fills in and submits the login form.
func submitLogin(ctx context.Context, base, email, password string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")),
	)
}

// TestBrowserLogin fills in the real login form in a real browser: the right
// password lands on the account page, a wrong one shows the error.
func TestBrowserLogin(t *testing.T) {
	s := upStack(t)
	email, password := s.env["ADMIN_EMAIL"], s.env["ADMIN_PASSWORD"]

	t.Run("wrong password shows an error", func(t *testing.T) {
		ctx := newBrowser(t)
		if err := submitLogin(ctx, s.base(), email, "not-"+password); err != nil {
			t.Fatalf("browser: %v", err)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#login-error"))); err != nil {
			t.Fatalf("no error shown after a wrong password: %v", err)
		}
		msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#login-error")))
		if err != nil || !strings.Contains(msg, "Wrong email or password") {
			t.Fatalf("error shown: %q (%v)", msg, err)
		}
	})

	t.Run("right password reaches the account page", func(t *testing.T) {
		ctx := newBrowser(t)
		if err := submitLogin(ctx, s.base(), email, password); err != nil {
			t.Fatalf("browser: %v", err)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#account-email"))); err != nil {
			t.Fatalf("account page not reached: %v", err)
		}
		shown, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#account-email")))
		if err != nil {
			t.Fatal(err)
		}
		location, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(shown) != email || !strings.HasSuffix(location, "/account") {
			t.Fatalf("account page shows %q at %s, want %q", shown, location, email)
		}
	})
}
