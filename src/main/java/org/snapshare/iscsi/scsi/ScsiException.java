package org.snapshare.iscsi.scsi;

/** Ends a command with CHECK CONDITION and the given sense. */
public final class ScsiException extends Exception {
    private static final long serialVersionUID = 1L;

    public final SenseCode sense;
    /** The CDB byte at fault, reported as a sense-key specific field pointer; -1 when not given. */
    public final int cdbByte;

    public ScsiException(SenseCode sense, String detail) {
        this(sense, -1, detail);
    }

    private ScsiException(SenseCode sense, int cdbByte, String detail) {
        super(detail, null, false, false);
        this.sense = sense;
        this.cdbByte = cdbByte;
    }

    /** INVALID FIELD IN CDB pointing at byte {@code cdbByte}. */
    public static ScsiException invalidField(int cdbByte, String detail) {
        return new ScsiException(SenseCode.INVALID_FIELD_IN_CDB, cdbByte, detail);
    }

    /** The CHECK CONDITION this exception ends its command with. */
    ScsiResult result() {
        return cdbByte < 0 ? ScsiResult.checkCondition(sense) : ScsiResult.checkCondition(sense.withFieldPointer(cdbByte));
    }
}
