# test_ca.sh: a test certificate authority made with openssl and the server certificates it signs, for
# the end-to-end tests that speak TLS (sourced). Keys are RSA 2048, everything is valid for 2 days.

# test_ca DIR NAME SUBJECT [IP]: a self-signed certificate DIR/NAME.crt with its key DIR/NAME.key,
# CN=SUBJECT (and subjectAltName IP:IP when given). Used as a CA, or as a certificate no CA signed.
test_ca() {
	local san=()
	[ -z "${4:-}" ] || san=(-addext "subjectAltName=IP:$4")
	openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=$3" ${san[@]+"${san[@]}"} -days 2 \
		-keyout "$1/$2.key" -out "$1/$2.crt" 2>/dev/null
}

# test_ca_cert DIR CA NAME IP SERIAL: DIR/NAME.crt (with DIR/NAME.key) for the address IP (CN and
# subjectAltName, serverAuth), signed by DIR/CA.crt and DIR/CA.key with serial number SERIAL.
test_ca_cert() {
	local d=$1 ca=$2 name=$3 ip=$4 serial=$5
	openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$ip" -keyout "$d/$name.key" -out "$d/$name.csr" 2>/dev/null &&
		printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$ip" >"$d/$name.ext" &&
		openssl x509 -req -in "$d/$name.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" -set_serial "$serial" -days 2 \
			-extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null
}
