package org.snapshare.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * openapi.json is a valid OpenAPI 3.1 document (read by swagger-parser, an
 * independent parser) and lists exactly the routes the server installs,
 * each with the role the server demands, as FormatDocTest holds FORMAT.md
 * to the code.
 */
class ApiDocumentTest {

    private static OpenAPI document() throws Exception {
        String text;
        try (InputStream in = ApiRoutes.class.getResourceAsStream(ApiRoutes.DOCUMENT)) {
            assertNotNull(in, "openapi.json is packaged beside ApiRoutes");
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(text, null, options);
        assertTrue(result.getMessages() == null || result.getMessages().isEmpty(),
                "openapi.json: " + result.getMessages());
        assertEquals("3.1.0", result.getOpenAPI().getOpenapi());
        return result.getOpenAPI();
    }

    @Test
    void theDocumentIsValidOpenApi31() throws Exception {
        OpenAPI document = document();
        assertEquals("/api/v1", document.getServers().get(0).getUrl());
        assertNotNull(document.getComponents().getSecuritySchemes().get("bearer"));
    }

    @Test
    void theDocumentListsExactlyTheServedRoutesWithTheirRoles() throws Exception {
        Map<String, String> documented = new TreeMap<>();
        for (Map.Entry<String, PathItem> path : document().getPaths().entrySet()) {
            for (Map.Entry<PathItem.HttpMethod, Operation> operation : path.getValue().readOperationsMap()
                    .entrySet()) {
                Object role = operation.getValue().getExtensions() == null ? null
                        : operation.getValue().getExtensions().get("x-snapshare-role");
                documented.put(operation.getKey() + " " + ApiRoutes.BASE + path.getKey(),
                        role == null ? "open" : role.toString());
            }
        }
        Map<String, String> served = new TreeMap<>();
        for (ApiRoutes.Route route : new ApiRoutes(null).routes()) {
            served.put(route.method().name() + " " + route.path(),
                    route.role() == null ? "open" : route.role().word());
        }
        assertEquals(served, documented);
    }

    /** Each schema's properties are exactly the keys the server writes (and reads) for its record. */
    @Test
    void theSchemasHaveTheRecordsKeys() throws Exception {
        Map<String, Class<?>> records = new TreeMap<>();
        records.put("VolumeSummary", org.snapshare.appliance.VolumeSummary.class);
        records.put("SnapshotSummary", org.snapshare.appliance.SnapshotSummary.class);
        records.put("Job", org.snapshare.appliance.Jobs.Job.class);
        records.put("ApplianceStatus", org.snapshare.appliance.ApplianceStatus.class);
        records.put("DiffRuns", org.snapshare.appliance.DiffRuns.class);
        records.put("Problem", Problems.Problem.class);
        records.put("CreateVolume", Bodies.CreateVolume.class);
        records.put("ResizeVolume", Bodies.ResizeVolume.class);
        records.put("CreateSnapshot", Bodies.CreateSnapshot.class);
        records.put("Imported", SnapshotRoutes.Imported.class);
        records.put("ScheduleSummary", org.snapshare.appliance.ScheduleSummary.class);
        records.put("SetSchedule", Bodies.SetSchedule.class);
        records.put("IoSample", ApiRoutes.IoSample.class);
        records.put("LunIo", org.snapshare.appliance.LunIo.class);
        records.put("InterruptedImport", org.snapshare.stream.InterruptedImport.class);
        records.put("ReplicationSummary", org.snapshare.appliance.ReplicationSummary.class);
        records.put("SetReplication", Bodies.SetReplication.class);
        records.put("Scrub", Bodies.Scrub.class);
        records.put("SessionInfo", org.snapshare.iscsi.SessionInfo.class);
        records.put("ClusterSummary", org.snapshare.appliance.ClusterSummary.class);
        records.put("VolumeLock", org.snapshare.appliance.ClusterSummary.VolumeLock.class);
        records.put("AccessSummary", org.snapshare.appliance.AccessSummary.class);
        records.put("TargetAccess", org.snapshare.appliance.AccessSummary.TargetAccess.class);
        var schemas = document().getComponents().getSchemas();
        var mapper = org.snapshare.appliance.Json.mapper();
        for (Map.Entry<String, Class<?>> record : records.entrySet()) {
            java.util.Set<String> keys = new java.util.TreeSet<>();
            mapper.getSerializationConfig().introspect(mapper.constructType(record.getValue())).findProperties()
                    .forEach(property -> keys.add(property.getName()));
            Map<?, ?> properties = schemas.get(record.getKey()).getProperties();
            java.util.Set<String> documented = new java.util.TreeSet<>();
            properties.keySet().forEach(key -> documented.add(key.toString()));
            assertEquals(keys, documented, record.getKey());
        }
    }
}
