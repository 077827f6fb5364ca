-- The API version a project's validation webhook receives its `data` in. Projects made
-- before it was chosen keep what they received until then: the names of 2023-10-04.
ALTER TABLE projects ADD COLUMN webhook_version TEXT NOT NULL DEFAULT '2023-10-04';
