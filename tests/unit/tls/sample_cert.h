// A sample client certificate shared by the cert_fields and passTLSClientCert unit tests.
#pragma once

namespace pier::test {

// Self-signed, made with the openssl CLI: every subject attribute passTLSClientCert reads, and
// one SAN of each kind. Valid for 100 years.
inline const char* kSampleCertPem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDezCCAyGgAwIBAgINAY7pD/bDc+DuTj8K0jAKBggqhkjOPQQDAjCB3jETMBEG\n"
    "CgmSJomT8ixkARkWA29yZzEWMBQGCgmSJomT8ixkARkWBmNoZWVzZTELMAkGA1UE\n"
    "BhMCRlIxCzAJBgNVBAYTAlVTMRkwFwYDVQQIDBBDaGVlc2Ugb3JnIHN0YXRlMREw\n"
    "DwYDVQQHDAhUT1VMT1VTRTEPMA0GA1UECgwGQ2hlZXNlMREwDwYDVQQKDAhDaGVl\n"
    "c2UgMjEbMBkGA1UECwwSU2ltcGxlIENlcnRpZmljYXRlMRYwFAYDVQQDDA0qLmV4\n"
    "YW1wbGUuY29tMQ4wDAYDVQQFEwVTTi00MjAgFw0yNjExMjgxNDU2MjBaGA8yMTI2\n"
    "MTEwNDE0NTYyMFowgd4xEzARBgoJkiaJk/IsZAEZFgNvcmcxFjAUBgoJkiaJk/Is\n"
    "ZAEZFgZjaGVlc2UxCzAJBgNVBAYTAkZSMQswCQYDVQQGEwJVUzEZMBcGA1UECAwQ\n"
    "Q2hlZXNlIG9yZyBzdGF0ZTERMA8GA1UEBwwIVE9VTE9VU0UxDzANBgNVBAoMBkNo\n"
    "ZWVzZTERMA8GA1UECgwIQ2hlZXNlIDIxGzAZBgNVBAsMElNpbXBsZSBDZXJ0aWZp\n"
    "Y2F0ZTEWMBQGA1UEAwwNKi5leGFtcGxlLmNvbTEOMAwGA1UEBRMFU04tNDIwWTAT\n"
    "BgcqhkjOPQIBBggqhkjOPQMBBwNCAARkrmpjqbC/QPLR1dt4ja1UcHMon78PXKh0\n"
    "wzZ7QPpqAxJlrC+02f7EINvZskFjrKSuULCs9pcC4eYT1WAW9OROo4G/MIG8MB0G\n"
    "A1UdDgQWBBTs1FfYU+MGPLem6HrpMgFx0bvmMTAfBgNVHSMEGDAWgBTs1FfYU+MG\n"
    "PLem6HrpMgFx0bvmMTAPBgNVHRMBAf8EBTADAQH/MGkGA1UdEQRiMGCCDSouZXhh\n"
    "bXBsZS5vcmeCDSouZXhhbXBsZS5uZXSBEHRlc3RAZXhhbXBsZS5vcmeHBAoAAQCH\n"
    "EAAAAAAAAAAAAAAAAAAAAAGGFnNwaWZmZTovL2V4YW1wbGUub3JnL3gwCgYIKoZI\n"
    "zj0EAwIDSAAwRQIgG6KzMOjfGZih1MJa9syXK403/xO/YU3AO6vLR6VyIB0CIQCq\n"
    "dG23VS0eM/x2uT3FQeJdSqp/A/JCBURSmqZbPsPe7g==\n"
    "-----END CERTIFICATE-----\n";

}  // namespace pier::test
