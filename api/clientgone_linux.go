package api

import (
	"errors"
	"net"
	"syscall"
)

// clientGone reports whether the client of conn has closed its end: a peek
// at the socket, which neither waits nor takes a byte, reads its end of
// stream (or a reset). A pipelined request waiting to be read, or nothing
// at all, means the client is still there; so does anything that keeps
// the peek from being made. A connection that is not a socket (the
// in-memory test connection) is never gone.
//
// The peek runs under RawConn.Control, not Read: Read would wait for the
// socket's read lock, which the server holds while it waits for the next
// request on a kept-alive connection, and would fail once the request's
// read deadline has passed, taking a slow client for a gone one.
//
// A client that shuts down only its sending side while it waits for the
// answer reads as gone too; browsers, curl and HTTP libraries do not.
func clientGone(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	gone := false
	var buf [1]byte
	_ = raw.Control(func(fd uintptr) {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil:
			gone = n == 0
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		default:
			gone = errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ENOTCONN)
		}
	})
	return gone
}
