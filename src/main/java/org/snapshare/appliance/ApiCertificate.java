package org.snapshare.appliance;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snapshare.device.DurableFiles;

/**
 * The API's TLS identity: the key and certificate named by api-tls-key and
 * api-tls-cert, or else a self-signed pair made once in the data directory's
 * {@code api} folder (EC P-256, ten years) and kept there. Clients pin its
 * SHA-256 fingerprint, which `token create` prints.
 */
public final class ApiCertificate {

    private static final Logger LOG = LoggerFactory.getLogger(ApiCertificate.class);
    static final String CERT_FILE = "tls-cert.pem";
    static final String KEY_FILE = "tls-key.pem";
    private static final Duration VALIDITY = Duration.ofDays(3650);

    private final X509Certificate certificate;
    private final PrivateKey key;

    private ApiCertificate(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    /** The configured pair, else the generated one (made now if there is none yet). */
    public static ApiCertificate load(ApplianceConfig config) throws ConfigException, IOException {
        Optional<String> cert = config.optional("api-tls-cert");
        Optional<String> key = config.optional("api-tls-key");
        if (cert.isPresent() != key.isPresent()) {
            throw new ConfigException("api-tls-cert and api-tls-key go together: set both (PEM files) or neither"
                    + " (a self-signed certificate is made in the data directory)");
        }
        if (cert.isPresent()) {
            return read(Path.of(cert.get()), Path.of(key.get()));
        }
        Path dir = config.dataDir().resolve(Appliance.API_DIR);
        Path certFile = dir.resolve(CERT_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        if (!Files.exists(certFile) || !Files.exists(keyFile)) {
            generate(dir, config.apiListen().map(listen -> listen.getHostString()));
        }
        return read(certFile, keyFile);
    }

    /** The SHA-256 of the certificate, colon-separated hex, as `openssl x509 -fingerprint -sha256` shows it. */
    public String fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** A key store holding the pair under {@code password}, for the TLS server. */
    public KeyStore keyStore(char[] password) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("api", key, password, new Certificate[] {certificate});
            return store;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot hold the API's key: " + e.getMessage(), e);
        }
    }

    private static ApiCertificate read(Path certFile, Path keyFile) throws ConfigException, IOException {
        try (Reader certIn = Files.newBufferedReader(certFile, StandardCharsets.US_ASCII);
                Reader keyIn = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII)) {
            Object cert = new PEMParser(certIn).readObject();
            Object key = new PEMParser(keyIn).readObject();
            if (!(cert instanceof X509CertificateHolder)) {
                throw new ConfigException(certFile + " holds no PEM certificate (BEGIN CERTIFICATE)");
            }
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            PrivateKey privateKey;
            if (key instanceof PEMKeyPair) {
                privateKey = converter.getPrivateKey(((PEMKeyPair) key).getPrivateKeyInfo());
            } else if (key instanceof PrivateKeyInfo) {
                privateKey = converter.getPrivateKey((PrivateKeyInfo) key);
            } else {
                throw new ConfigException(keyFile + " holds no unencrypted PEM private key (BEGIN PRIVATE KEY)");
            }
            return new ApiCertificate(new JcaX509CertificateConverter()
                    .getCertificate((X509CertificateHolder) cert), privateKey);
        } catch (NoSuchFileException e) {
            throw new ConfigException("API TLS file " + e.getFile() + " does not exist");
        } catch (GeneralSecurityException e) {
            throw new ConfigException("cannot read the API's TLS pair " + certFile + ", " + keyFile + ": "
                    + e.getMessage());
        }
    }

    private static void generate(Path dir, Optional<String> listenHost) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            X500Name subject = new X500Name("CN=snapshare " + InetAddress.getLocalHost().getHostName());
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(VALIDITY)), subject, pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.subjectAlternativeName, false, alternativeNames(listenHost));
            X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                    .build(pair.getPrivate()));
            PrivateFiles.createDirectory(dir);
            DurableFiles.replace(dir.resolve(KEY_FILE), pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
            DurableFiles.replace(dir.resolve(CERT_FILE), pem(holder));
            LOG.info("made the API's self-signed certificate in {}", dir);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make the API's certificate: " + e.getMessage(), e);
        }
    }

    /** localhost, the loopback addresses, this host's name and the listen host, as clients name the server. */
    private static GeneralNames alternativeNames(Optional<String> listenHost) throws IOException {
        List<GeneralName> names = new ArrayList<>(List.of(new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.iPAddress, "::1"),
                new GeneralName(GeneralName.dNSName, InetAddress.getLocalHost().getHostName())));
        listenHost.filter(host -> !host.equals("0.0.0.0") && !host.equals("::") && !host.equals("127.0.0.1"))
                .ifPresent(host -> names.add(new GeneralName(host.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress
                        : GeneralName.dNSName, host)));
        return new GeneralNames(names.toArray(new GeneralName[0]));
    }

    private static byte[] pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
