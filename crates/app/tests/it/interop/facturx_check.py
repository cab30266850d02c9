"""Reads the invoices written by the billing test with the `factur-x` package (PyPI): each
XML is checked against the Factur-X EN 16931 schema, and each PDF is opened with pypdf (a
dependency of factur-x) to extract its text. Prints one JSON object."""
import glob
import io
import json
import os
import sys

from facturx import get_level, get_flavor, xml_check_xsd
from lxml import etree
from pypdf import PdfReader

folder = sys.argv[1]
out = {"xml": {}, "pdf": {}}
for path in sorted(glob.glob(os.path.join(folder, "*.xml"))):
    name = os.path.basename(path)
    data = open(path, "rb").read()
    tree = etree.fromstring(data)
    entry = {"flavor": get_flavor(tree), "level": get_level(tree)}
    try:
        entry["valid"] = bool(xml_check_xsd(data, flavor="factur-x", level="en16931"))
    except Exception as e:  # the package raises with the schema's message
        entry["valid"] = False
        entry["error"] = str(e)
    out["xml"][name] = entry
for path in sorted(glob.glob(os.path.join(folder, "*.pdf"))):
    name = os.path.basename(path)
    reader = PdfReader(io.BytesIO(open(path, "rb").read()), strict=True)
    out["pdf"][name] = {"pages": len(reader.pages), "text": "\n".join(p.extract_text() for p in reader.pages)}
print(json.dumps(out))
