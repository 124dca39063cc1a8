// Package testshare gives a test binary's tests what is costly to make
// and the same for each of them (real photos decoded and measured, faces
// found), made once however many tests ask, in parallel or not.
package testshare

import "sync"

// value is one shared value, made once.
type value struct {
	once sync.Once
	v    any
	err  error
}

// values holds the test binary's shared values by key.
var values sync.Map // string -> *value

// Get returns what build returns for key, calling build once per test
// binary: the first caller builds, the others wait for it and get the
// same value and error. build must not call t.Fatal (it runs inside a
// sync.Once); each caller fails on the error. A key names one kind of
// value: callers must not change what they get, and must ask for the type
// the key was built with (Get returns the zero value of another).
func Get[T any](key string, build func() (T, error)) (T, error) {
	s, _ := values.LoadOrStore(key, &value{})
	x := s.(*value)
	x.once.Do(func() { x.v, x.err = build() })
	v, _ := x.v.(T)
	return v, x.err
}
