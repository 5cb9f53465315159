// Package ukob is a bank connector for UK Open Banking Read/Write v3.1.
package ukob

import (
	_ "github.com/go-jose/go-jose/v4" // detached JWS for x-jws-signature
	_ "golang.org/x/oauth2"           // client credentials and authorization code tokens
)
