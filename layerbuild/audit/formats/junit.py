"""JUnit XML: one test case per rule, failed when a finding of that rule is at or above --fail-on.

CI systems that read JUnit (GitLab, Jenkins, Azure) then show "LB201 runtime-provided" as a failed test
with every finding of the rule in its failure text; findings below the threshold go to system-out.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from layerbuild.audit.findings import AuditResult, Finding
from layerbuild.audit.formats.interface import AuditFormat, location, target_line
from layerbuild.audit.rules import RULES, at_or_above


class JunitFormat(AuditFormat):
    name = "junit"

    def render(self, result: AuditResult) -> str:
        suites = ET.Element("testsuites", name="layerbuild audit")
        suite = ET.SubElement(suites, "testsuite", name=f"layerbuild audit {result.path}")
        failures = 0
        for rule in RULES.values():
            case = ET.SubElement(
                suite, "testcase", classname=f"layerbuild.audit.run.{rule.name}", name=f"{rule.id} {rule.name}"
            )
            found = [f for f in result.findings if f.rule == rule.id]
            failing = [f for f in found if at_or_above(f.severity, result.settings.fail_on)]

            def text(items: list[Finding]) -> str:
                out = []
                for f in items:
                    file, line = location(result, f)
                    where = f"{file}:{line}" if line else file
                    out.append(f"[{f.severity}] {f.message} ({where})\nFix: {f.fix}")
                return "\n".join(out)

            if failing:
                failures += 1
                el = ET.SubElement(case, "failure", message=failing[0].message, type=rule.id)
                el.text = text(failing)
            rest = [f for f in found if f not in failing]
            if rest:
                ET.SubElement(case, "system-out").text = text(rest)
        suite.set("tests", str(len(RULES)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suites.set("tests", str(len(RULES)))
        suites.set("failures", str(failures))
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="target", value=target_line(result))
        ET.indent(suites)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
