package core

import (
	"context"
	"testing"
)

func TestSessionFromContext(t *testing.T) {
	s := &Session{Subject: "alice"}
	rows := []struct {
		name   string
		ctx    context.Context
		want   *Session
		wantOK bool
	}{
		{"context without a session: no session", context.Background(), nil, false},
		{"context holding a nil session: no session", WithSession(context.Background(), nil), nil, false},
		{"nil session stored over a real one: no session", WithSession(WithSession(context.Background(), s), nil), nil, false},
		{"context holding a session: that session", WithSession(context.Background(), s), s, true},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			got, ok := SessionFromContext(row.ctx)
			if got != row.want || ok != row.wantOK {
				t.Fatalf("SessionFromContext = %v, %v; want %v, %v", got, ok, row.want, row.wantOK)
			}
		})
	}
}
