//! Certificates made at test time (rcgen): a CA, server certificates for localhost and
//! 127.0.0.1 written as PEM files the server reads, and client certificates for mutual TLS.
//! No key material is kept in the repository.

use std::path::Path;

pub struct TestCa {
    pub cert: rcgen::Certificate,
    key: rcgen::KeyPair,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        TestCa { cert, key }
    }

    /// A server certificate named `name` for localhost and 127.0.0.1, written to `dir` as
    /// `chain.pem` (leaf, then this CA) and `key.pem`, each renamed into place so a reader
    /// never sees half a file. Returns the leaf (DER).
    pub fn issue_server(&self, dir: &Path, name: &str) -> Vec<u8> {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params
            .subject_alt_names
            .push(rcgen::SanType::IpAddress("127.0.0.1".parse().unwrap()));
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = rcgen::KeyPair::generate().unwrap();
        let leaf = params.signed_by(&key, &self.cert, &self.key).unwrap();
        let (chain, key_file) = (dir.join("chain.pem.new"), dir.join("key.pem.new"));
        std::fs::write(&chain, format!("{}{}", leaf.pem(), self.cert.pem())).unwrap();
        std::fs::write(&key_file, key.serialize_pem()).unwrap();
        std::fs::rename(&key_file, dir.join("key.pem")).unwrap();
        std::fs::rename(&chain, dir.join("chain.pem")).unwrap();
        leaf.der().to_vec()
    }

    /// A client certificate for `name` (mutual TLS): (chain PEM, key PEM).
    pub fn issue_client(&self, name: &str) -> (String, String) {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}
