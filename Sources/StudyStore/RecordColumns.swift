import GRDB

// Typed columns for the queries (GRDB's practice): a column is named once, by its record's coding key.

extension SessionRecord {
    public enum Columns {
        public static let token = Column(CodingKeys.token)
        public static let participant = Column(CodingKeys.participant)
        public static let startedAt = Column(CodingKeys.startedAt)
        public static let stimulusKey = Column(CodingKeys.stimulusKey)
    }
}

extension PlanSequenceRecord {
    public enum Columns {
        public static let position = Column(CodingKeys.position)
    }
}

extension HandoutRecord {
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let sequence = Column(CodingKeys.sequence)
    }
}

extension AnswerRecord {
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let session = Column(CodingKeys.session)
    }
}

extension EventRecord {
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let session = Column(CodingKeys.session)
    }
}

extension StimulusServeRecord {
    public enum Columns {
        public static let session = Column(CodingKeys.session)
        public static let trialIndex = Column(CodingKeys.trialIndex)
        public static let slot = Column(CodingKeys.slot)
    }
}

extension SessionFlagRecord {
    public enum Columns {
        public static let session = Column(CodingKeys.session)
        public static let flag = Column(CodingKeys.flag)
    }
}
