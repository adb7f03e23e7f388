module github.com/sessiongate/sessiongate/sessions

go 1.25.0
