"""Native infrastructure files (CloudFormation, SAM, Serverless, CDK, Terraform) as pool documents.

See IMPORT.md: each importer turns a native file into a `Document` in AWS's pool-file shapes, with
`origins` pointing every value back at the line the user edits. `simulator.model` loads it as it
loads any pool file.
"""
