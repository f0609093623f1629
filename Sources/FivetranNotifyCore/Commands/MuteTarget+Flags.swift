extension Mute.Target {
    /// What `--connector`, `--dbt-job`, `--group` or `--event` names (the first one given); nil when none is.
    public init?(connector: String?, dbtJob: String? = nil, group: String?, event: String?) {
        if let connector {
            self = .connector(connector)
        } else if let dbtJob {
            self = .dbtJob(dbtJob)
        } else if let group {
            self = .group(group)
        } else if let event {
            self = .event(event)
        } else {
            return nil
        }
    }
}
