// Package dockerops is the TTS portal stack as a domain object: the compose
// project on one engine, its containers, volumes and logs, and the actions on
// it. It never imports UI packages; the console and the headless commands
// both sit on top of it.
//
// Data flows one way: the engine's events, inspections and log streams feed a
// snapshot that readers copy; actions are calls that report progress through a
// callback. Text from containers is sanitised here (with logtext), once, so that
// no caller can forget to.
package dockerops
