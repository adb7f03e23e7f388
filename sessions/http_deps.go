package sessions

import "time"

// What the endpoints take from the manager beyond its exported API: its
// clock (expires_in agrees with the tokens' exp) and its store (exchange
// replay keys live beside the sessions).

func (e *Endpoints) now() time.Time { return e.m.now() }

func (e *Endpoints) store() Store { return e.m.cfg.Store }
