"""Independent JOSE implementation (PyJWT + cryptography) against gatepass tokens.

verify JWKS_FILE TOKEN AUD ISS   -> prints the verified claims as JSON
sign PEM_FILE KID CLAIMS_JSON    -> prints a token signed by PyJWT
"""
import json
import sys

import jwt


def verify(jwks_file, token, aud, iss):
    jwks = jwt.PyJWKSet.from_json(open(jwks_file).read())
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "typ": "gatepass+jwt", "kid": header["kid"]}, header
    key = jwks[header["kid"]]
    claims = jwt.decode(
        token,
        key=key,
        algorithms=["EdDSA"],
        audience=aud,
        issuer=iss,
        options={"require": ["exp", "iat", "nbf", "iss", "aud", "jti", "sub"]},
    )
    print(json.dumps(claims, sort_keys=True))


def sign(pem_file, kid, claims_json):
    pem = open(pem_file).read()
    claims = json.loads(claims_json)
    print(jwt.encode(claims, pem, algorithm="EdDSA", headers={"typ": "gatepass+jwt", "kid": kid}))


if __name__ == "__main__":
    {"verify": verify, "sign": sign}[sys.argv[1]](*sys.argv[2:])
