package meshydb

import "net/url"

// pathSegment escapes value, a username or id, as exactly one path
// segment, so that "../admin", "a/b" or "%" cannot change the route. The
// dot segments "." and ".." are refused: servers and proxies resolve them
// even when escaped.
func pathSegment(field, value string) (string, error) {
	if value == "." || value == ".." {
		return "", invalidArgument(field, "must not be a dot segment")
	}
	return url.PathEscape(value), nil
}
