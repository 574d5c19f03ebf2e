package org.snapshare.appliance;

import java.io.IOException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use the management API and how clients trust it (docs/API.md):
 * the tokens, the TLS identity, and what `token create|list|revoke` print.
 */
public final class ApiAccess {

    private static final Logger LOG = LoggerFactory.getLogger(ApiAccess.class);

    private final ApiTokens tokens;
    /** Null when the API is off. */
    private final ApiCertificate apiCertificate;
    private final Optional<String> apiUrl;

    ApiAccess(ApiTokens tokens, ApiCertificate apiCertificate, Optional<String> apiUrl) {
        this.tokens = tokens;
        this.apiCertificate = apiCertificate;
        this.apiUrl = apiUrl;
    }

    public ApiTokens tokens() {
        return tokens;
    }

    /** The API's TLS identity, if the API is on. */
    public Optional<ApiCertificate> certificate() {
        return Optional.ofNullable(apiCertificate);
    }

    /** Makes an API token: the token alone on the first line, then how to reach and pin the API. */
    String createToken(String name, ApiRole role) throws ConfigException, IOException {
        String token = tokens.create(name, role);
        LOG.info("API token {} made with role {}", name, role.word());
        StringBuilder out = new StringBuilder(token).append('\n');
        out.append("token ").append(name).append(" (").append(role.word())
                .append("): shown this once; send it as Authorization: Bearer TOKEN\n");
        if (apiCertificate == null) {
            out.append("the API is off on this server: set api-listen (or serve --api HOST:PORT) to use it\n");
        } else {
            out.append("API: ").append(apiUrl.orElseThrow()).append("/api/v1\n");
            out.append("certificate SHA-256 fingerprint: ").append(apiCertificate.fingerprint()).append('\n');
        }
        return out.toString();
    }

    String listTokens() {
        StringBuilder out = new StringBuilder(String.format("%-24s %-9s %s%n", "NAME", "ROLE", "CREATED"));
        for (ApiTokens.Token token : tokens.list()) {
            out.append(String.format("%-24s %-9s %s%n", token.name(), token.role().word(),
                    token.created().truncatedTo(ChronoUnit.SECONDS)));
        }
        return out.toString();
    }

    String revokeToken(String name) throws ConfigException, IOException {
        tokens.revoke(name);
        LOG.info("API token {} revoked", name);
        return "revoked token " + name + "\n";
    }
}
