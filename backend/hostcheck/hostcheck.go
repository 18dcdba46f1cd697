// Package hostcheck holds the two checks that keep web pages away from a
// service on localhost: the Host must be a loopback name (against DNS
// rebinding), and a browser's Origin must be loopback or listed by the user.
package hostcheck

import (
	"net"
	"net/url"
	"slices"
	"strings"
)

// LoopbackHost says whether a Host header (with or without port) names
// this machine's loopback: localhost, 127.0.0.0/8 or ::1.
func LoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// OriginAllowed says whether a browser page at origin may call us: it is
// listed (the config's cors_origins) or is itself on loopback.
func OriginAllowed(origin string, listed []string) bool {
	if slices.Contains(listed, origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return LoopbackHost(u.Host)
}
