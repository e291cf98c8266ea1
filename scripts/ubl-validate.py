#!/usr/bin/env python3
"""Validates UBL 2.1 invoices and credit notes as a Peppol access point would.

  scripts/ubl-validate.py FILE.xml ...

Each file is checked against
  1. the OASIS UBL 2.1 XSD (xmllint), and
  2. the Schematron rules of EN 16931 (CEN-EN16931-UBL.sch) and of Peppol BIS Billing 3.0
     (PEPPOL-EN16931-UBL.sch), from ../shared/standards/ubl.

The Schematron files use the XSLT 2 query binding. They are compiled here to one XSLT 2
stylesheet each, the way ISO Schematron's skeleton does (each pattern a mode; within a pattern a
node meets only its first matching rule; lets become variables; XSLT functions are copied), and
run with Saxon (saxonche). `--self-test` first checks the validator on the official examples:
every Peppol example must pass and the broken one must fail.

Prints each failed assertion (flag, id, location, text) and exits 1 if any is fatal.
"""
import os
import subprocess
import sys
from xml.sax.saxutils import escape, quoteattr

from lxml import etree
from saxonche import PySaxonProcessor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STANDARDS = os.environ.get("STANDARDS", os.path.join(ROOT, "..", "shared", "standards"))
UBL = os.path.join(STANDARDS, "ubl")
SCHEMATRONS = [
    os.path.join(UBL, "peppol-bis-3.0.19", "CEN-EN16931-UBL.sch"),
    os.path.join(UBL, "peppol-bis-3.0.19", "PEPPOL-EN16931-UBL.sch"),
]
XSD = {
    "Invoice": os.path.join(UBL, "xsd", "maindoc", "UBL-Invoice-2.1.xsd"),
    "CreditNote": os.path.join(UBL, "xsd", "maindoc", "UBL-CreditNote-2.1.xsd"),
}
SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"


def compile_schematron(path):
    """One XSLT 2 stylesheet whose text output is a line per failed assertion:
    flag|id|location|message."""
    schema = etree.parse(path).getroot()
    q = lambda name: "{%s}%s" % (SCH, name)
    namespaces = {ns.get("prefix"): ns.get("uri") for ns in schema.iter(q("ns"))}
    namespaces["xs"] = "http://www.w3.org/2001/XMLSchema"
    declarations = " ".join("xmlns:%s=%s" % (prefix, quoteattr(uri)) for prefix, uri in namespaces.items())
    out = ['<xsl:stylesheet version="2.0" xmlns:xsl="%s" %s>' % (XSL, declarations), '<xsl:output method="text"/>']
    for function in schema.iter("{%s}function" % XSL):
        out.append(etree.tostring(function, encoding="unicode", with_tail=False))
    patterns = schema.findall(q("pattern"))
    # Lets of the schema and of its patterns are global, as in the skeleton.
    for let in schema.findall(q("let")) + [let for pattern in patterns for let in pattern.findall(q("let"))]:
        out.append('<xsl:variable name=%s select=%s/>' % (quoteattr(let.get("name")), quoteattr(let.get("value"))))
    out.append('<xsl:template match="/">')
    for index in range(len(patterns)):
        out.append('<xsl:apply-templates select="/" mode="P%d"/>' % index)
    out.append("</xsl:template>")
    for index, pattern in enumerate(patterns):
        mode = "P%d" % index
        rules = pattern.findall(q("rule"))
        for order, rule in enumerate(rules):
            out.append('<xsl:template match=%s priority="%d" mode="%s">' % (quoteattr(rule.get("context")), 10000 - order, mode))
            for let in rule.findall(q("let")):
                out.append('<xsl:variable name=%s select=%s/>' % (quoteattr(let.get("name")), quoteattr(let.get("value"))))
            for check in rule:
                if check.tag not in (q("assert"), q("report")):
                    continue
                test = check.get("test")
                condition = "not(%s)" % test if check.tag == q("assert") else test
                message = " ".join("".join(check.itertext()).split())
                out.append('<xsl:if test=%s>%s|%s|<xsl:value-of select="path()"/>|%s&#10;</xsl:if>' % (
                    quoteattr(condition), escape(check.get("flag", "fatal")), escape(check.get("id", "")), escape(message)))
            out.append('<xsl:apply-templates select="@*|node()" mode="%s"/>' % mode)
            out.append("</xsl:template>")
        out.append('<xsl:template match="@*|node()" priority="-1" mode="%s"><xsl:apply-templates select="@*|node()" mode="%s"/></xsl:template>' % (mode, mode))
    out.append("</xsl:stylesheet>")
    return "\n".join(out)


class Validator:
    def __init__(self, processor):
        self.compiled = []
        compiler = processor.new_xslt30_processor()
        for path in SCHEMATRONS:
            executable = compiler.compile_stylesheet(stylesheet_text=compile_schematron(path))
            if executable is None:
                raise SystemExit("ubl-validate: %s did not compile: %s" % (path, compiler.error_message))
            self.compiled.append((os.path.basename(path), executable))

    def failures(self, path):
        """(fatal, lines) for one document."""
        lines = []
        root = etree.parse(path).getroot()
        kind = etree.QName(root).localname
        if kind not in XSD:
            return True, ["not a UBL Invoice or CreditNote: %s" % kind]
        xsd = subprocess.run(["xmllint", "--noout", "--schema", XSD[kind], path], capture_output=True, text=True)
        if xsd.returncode != 0:
            lines += ["xsd|%s" % line for line in xsd.stderr.strip().splitlines()]
        for name, executable in self.compiled:
            text = executable.transform_to_string(source_file=path) or ""
            lines += ["%s|%s" % (name, line) for line in text.splitlines() if line.strip()]
        fatal = xsd.returncode != 0 or any(line.split("|")[1] == "fatal" for line in lines if not line.startswith("xsd|"))
        return fatal, lines


def main(arguments):
    if not os.path.isdir(UBL):
        print("ubl-validate: skipped: %s is absent" % UBL)
        return 0
    self_test = "--self-test" in arguments
    files = [argument for argument in arguments if argument != "--self-test"]
    with PySaxonProcessor(license=False) as processor:
        validator = Validator(processor)
        failed = 0
        if self_test:
            examples = os.path.join(STANDARDS, "examples", "ubl")
            for name in sorted(os.listdir(examples)):
                if not name.startswith("peppol-") or name == "peppol-sales-order-example.xml":
                    continue
                fatal, lines = validator.failures(os.path.join(examples, name))
                if fatal:
                    print("ubl-validate: self-test: the official %s fails:\n  %s" % (name, "\n  ".join(lines)))
                    failed += 1
            fatal, _ = validator.failures(os.path.join(examples, "broken-base-example.xml"))
            if not fatal:
                print("ubl-validate: self-test: the broken example passes")
                failed += 1
            if failed == 0:
                print("ubl-validate: self-test passed: the official examples pass and the broken one fails")
        for path in files:
            fatal, lines = validator.failures(path)
            for line in lines:
                print("  %s: %s" % (os.path.basename(path), line))
            print("ubl-validate: %s %s" % (path, "FAILED" if fatal else "valid (UBL 2.1 XSD, EN 16931, Peppol BIS 3.0)"))
            failed += 1 if fatal else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
