// Package tests holds sessiongate's end-to-end tests: real-browser tests in
// headless Chromium (driven over the DevTools protocol through
// --remote-debugging-pipe, with the example host names mapped to loopback)
// that run the scenario examples and a cookie-domain cleanup against core's
// gates, and a test that compiles the README quickstart. That every adapter
// answers as core decides is checked by the conformance suite
// (core/adaptertest) each adapter runs. It is a module of its own so that
// users of the library never inherit its dependencies.
package tests
