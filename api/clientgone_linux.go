package api

import (
	"errors"
	"net"
	"syscall"
)

// clientGone reports whether the client of conn has closed its end: a peek
// at the socket, which neither waits nor takes a byte, reads its end of
// stream (or a reset). A pipelined request waiting to be read, or nothing
// at all, means the client is still there. A connection that is not a
// socket (the in-memory test connection) is never gone.
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
	err = raw.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil:
			gone = n == 0
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		default:
			gone = true // reset, or the socket is no more
		}
		return true // never wait for the socket to become readable
	})
	return gone || (err != nil && !errors.Is(err, syscall.EAGAIN))
}
