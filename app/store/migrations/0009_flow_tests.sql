-- Flow tests kept with their flow (the editor's "Save as test"): one test of
-- the schema/flowtest.json format per row, as JSON, named uniquely per flow.
-- They go when the flow goes.
CREATE TABLE flow_tests (
    flow_sid     TEXT NOT NULL REFERENCES flows (sid) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    test         TEXT NOT NULL,
    date_created TEXT NOT NULL,
    date_updated TEXT NOT NULL,
    PRIMARY KEY (flow_sid, name)
);
