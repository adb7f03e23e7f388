// Package tests holds sessiongate's cross-adapter and end-to-end tests: the
// parity test that sends the same requests to every adapter, a real-browser
// test of cookie-domain behaviour in headless Chromium, and a test that
// compiles the README quickstart. It is a module of its own so that users of
// the library never inherit its dependencies.
package tests
