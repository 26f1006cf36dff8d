/**
 * A fixed certificate for fuzzing seeds (mutations of the same bytes on every run). Made once with
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -set_serial 0x1234 \
 *     -subj "/O=rxstoq/CN=fuzz seed" -addext "subjectAltName=DNS:seed.example.com,IP:192.0.2.1"
 * (the key was thrown away). The x509 plugin's own tests make fresh certificates with openssl.
 */
export const SEED_CERTIFICATE_PEM = `-----BEGIN CERTIFICATE-----
MIIBrzCCAVagAwIBAgICEjQwCgYIKoZIzj0EAwIwJTEPMA0GA1UECgwGcnhzdG9x
MRIwEAYDVQQDDAlmdXp6IHNlZWQwHhcNMjYxMjAxMDQwMDAwWhcNMzYxMTI4MDQw
MDAwWjAlMQ8wDQYDVQQKDAZyeHN0b3ExEjAQBgNVBAMMCWZ1enogc2VlZDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABHrWu+YYUzkuhdAsLm6K+iHfqV2ZBRZ1ffuS
lFLHqL3TeoGgcUaeR7G4HPhx6TUcsOvcZ1UOHRHe/J1C7+KJE86jdjB0MB0GA1Ud
DgQWBBRAfqFW6f2S3LMOzp9sm7QA8WbugDAfBgNVHSMEGDAWgBRAfqFW6f2S3LMO
zp9sm7QA8WbugDAPBgNVHRMBAf8EBTADAQH/MCEGA1UdEQQaMBiCEHNlZWQuZXhh
bXBsZS5jb22HBMAAAgEwCgYIKoZIzj0EAwIDRwAwRAIgakJLqkz6BHL+KQTDybuP
lKMudEcme+kxGG3XhKPSRvgCIGjTuBNVRDh88k3Uf5wvNxXWxYM7eo3pt/+Hdhlb
fCSx
-----END CERTIFICATE-----
`;

/** The same certificate in DER. */
export const seedCertificateDer = (): Buffer => Buffer.from(SEED_CERTIFICATE_PEM.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');

/** Text full of indicators, plain and defanged, for the iocextract seed. */
export const SEED_IOC_TEXT = [
  'md5 d41d8cd98f00b204e9800998ecf8427e sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709',
  'hxxps://evil[.]example[.]com:8443/a?b=c and http://203.0.113.7/x from 198.51.100.23',
  'ops[@]example(dot)org, 2001:db8::1, 00:1a:2b:3c:4d:5e, version 1.2.3.4, report.pdf',
].join('\n');
