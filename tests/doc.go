// Package tests holds sessiongate's end-to-end tests: a real-browser test of
// cookie-domain behaviour in headless Chromium, and a test that compiles the
// README quickstart. That every adapter answers as core decides is checked by
// the conformance suite (core/adaptertest) each adapter runs. It is a module
// of its own so that users of the library never inherit its dependencies.
package tests
