package org.snapshare.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import org.snapshare.appliance.Json;

/** Request bodies read into their record, or a 400 that says what in the body was wrong. */
final class Bodies {

    /**
     * POST /volumes. Sizes in bytes; the store's are optional (null: the
     * default). With {@code from} ("VOLUME@SNAPSHOT" or "VOLUME") a clone,
     * of the source's size: no size is given then.
     */
    record CreateVolume(String name, Long size, Long storeSize, Long storeMaxSize, String from) {
    }

    /** PATCH /volumes/{volume}: the new, larger size in bytes. */
    record ResizeVolume(Long size) {
    }

    /** PUT /volumes/{volume}/schedule: "every 1h keep 24; every 1d keep 7". */
    record SetSchedule(String policy) {
    }

    /**
     * PUT /volumes/{volume}/replication: the other server's API, an admin token of it (kept in this
     * server's private api folder), the pinned fingerprint and the retention there (both optional).
     */
    record SetReplication(String to, String token, String fingerprint, String keep) {
    }

    /** POST /volumes/{volume}/scrub: at most this many bytes a second (optional). */
    record Scrub(Long rate) {
    }

    /** POST /volumes/{volume}/snapshots; {@code from}: a snapshot to take it of (optional: the origin). */
    record CreateSnapshot(String name, String from) {
    }

    private Bodies() {
    }

    static <T> T read(byte[] body, Class<T> type) {
        try {
            T value = Json.mapper().readValue(body, type);
            if (value == null) {
                throw new ApiProblem(400, Problems.title(400), "the request needs a JSON object body");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new ApiProblem(400, Problems.title(400), "the request body is not the JSON object this"
                    + " needs: " + e.getOriginalMessage() + " (GET /api/v1/openapi.json shows its fields)");
        } catch (IOException e) {
            throw new ApiProblem(400, Problems.title(400), "cannot read the request body: " + e.getMessage());
        }
    }

    static <T> T required(T value, String field) {
        if (value == null) {
            throw new ApiProblem(400, Problems.title(400), "the request body needs \"" + field + "\"");
        }
        return value;
    }
}
