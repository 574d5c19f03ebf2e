package org.snapshare.iscsi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers the initiator's login keys (RFC 7143, sections 6 and 13) and records
 * the results in {@link SessionParameters}. We prefer ImmediateData=Yes and
 * InitialR2T=No so small writes need no R2T round trip.
 */
final class OperationalNegotiator {

    static final int OUR_MAX_BURST_LENGTH = 1 << 20;
    static final int OUR_FIRST_BURST_LENGTH = 256 << 10;
    private static final int MIN_SEGMENT = 512;
    private static final int MAX_SEGMENT = (1 << 24) - 1;
    private static final List<String> DECLARATIVE_FROM_INITIATOR =
            List.of("InitiatorName", "InitiatorAlias", "TargetName", "SessionType");

    private final SessionParameters parameters;
    private boolean declaredOurSegmentLength;

    OperationalNegotiator(SessionParameters parameters) {
        this.parameters = parameters;
    }

    /** Negotiates every offered key and returns the answers, in offer order. */
    Map<String, String> answer(Map<String, String> offered) throws LoginException {
        Map<String, String> answers = new LinkedHashMap<>();
        for (Map.Entry<String, String> offer : offered.entrySet()) {
            String key = offer.getKey();
            if (DECLARATIVE_FROM_INITIATOR.contains(key)) {
                continue;
            }
            answers.put(key, answerOne(key, offer.getValue()));
        }
        if (parameters.firstBurstLength > parameters.maxBurstLength) {
            parameters.firstBurstLength = parameters.maxBurstLength;
            if (answers.containsKey("FirstBurstLength")) {
                answers.put("FirstBurstLength", Integer.toString(parameters.firstBurstLength));
            }
        }
        return answers;
    }

    /** Our MaxRecvDataSegmentLength, if not yet declared; called before leaving the operational stage. */
    void declareOurs(Map<String, String> answers) {
        if (!declaredOurSegmentLength) {
            answers.put("MaxRecvDataSegmentLength", Integer.toString(parameters.targetMaxRecvDataSegmentLength));
            declaredOurSegmentLength = true;
        }
    }

    /** The first digest in the initiator's list that we know (its order is its preference). */
    private String digest(String key, String offered) {
        for (String choice : offered.split(",")) {
            if (choice.equals("CRC32C") || choice.equals("None")) {
                boolean on = choice.equals("CRC32C");
                if (key.equals("HeaderDigest")) {
                    parameters.headerDigest = on;
                } else {
                    parameters.dataDigest = on;
                }
                return choice;
            }
        }
        return "Reject";
    }

    private String answerOne(String key, String value) throws LoginException {
        switch (key) {
            case "AuthMethod":
                return List.of(value.split(",")).contains("None") ? "None" : "Reject";
            case "HeaderDigest":
            case "DataDigest":
                return digest(key, value);
            case "MaxRecvDataSegmentLength":
                parameters.initiatorMaxRecvDataSegmentLength = number(key, value, MIN_SEGMENT, MAX_SEGMENT);
                declaredOurSegmentLength = true;
                return Integer.toString(parameters.targetMaxRecvDataSegmentLength);
            case "MaxBurstLength":
                parameters.maxBurstLength = Math.min(number(key, value, MIN_SEGMENT, MAX_SEGMENT), OUR_MAX_BURST_LENGTH);
                return Integer.toString(parameters.maxBurstLength);
            case "FirstBurstLength":
                parameters.firstBurstLength = Math.min(number(key, value, MIN_SEGMENT, MAX_SEGMENT),
                        OUR_FIRST_BURST_LENGTH);
                return Integer.toString(parameters.firstBurstLength);
            case "InitialR2T":
                parameters.initialR2T = yesNo(key, value);
                return value;
            case "ImmediateData":
                parameters.immediateData = yesNo(key, value);
                return value;
            case "MaxConnections":
            case "MaxOutstandingR2T":
                number(key, value, 1, 65535);
                return "1";
            case "ErrorRecoveryLevel":
                number(key, value, 0, 2);
                return "0";
            case "DataPDUInOrder":
            case "DataSequenceInOrder":
                yesNo(key, value);
                return "Yes";
            case "DefaultTime2Wait":
                return Integer.toString(Math.max(number(key, value, 0, 3600), 2));
            case "DefaultTime2Retain":
                number(key, value, 0, 3600);
                return "0";
            case "IFMarker":
            case "OFMarker":
                return "No";
            case "IFMarkInt":
            case "OFMarkInt":
                return "Irrelevant";
            default:
                return "NotUnderstood";
        }
    }

    private static int number(String key, String value, int min, int max) throws LoginException {
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max) {
                return (int) parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw LoginException.initiatorError(key + "=" + value + " is not a number in " + min + ".." + max);
    }

    private static boolean yesNo(String key, String value) throws LoginException {
        if ("Yes".equals(value)) {
            return true;
        }
        if ("No".equals(value)) {
            return false;
        }
        throw LoginException.initiatorError(key + "=" + value + " must be Yes or No");
    }
}
