"""Glue to the deploy tools users already run: SAM templates (sam_template, sam_stage), CDK."""
