# Reads the DPV export (JSON-LD) with pyld and rdflib and prints what the Rust test asserts:
# the triples, every duration literal, the storage durations by type, and the third-country
# transfers (recipient, country, mechanism types). The context is inline: nothing is fetched.
import json, sys
from pyld import jsonld
from rdflib import Graph, Namespace, RDF

doc = json.load(open(sys.argv[1]))
expanded = jsonld.expand(doc)
nquads = jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads"})
g = Graph()
g.parse(data=json.dumps(doc), format="json-ld")
DPV = Namespace("https://w3id.org/dpv#")
XSD_DURATION = "http://www.w3.org/2001/XMLSchema#duration"
durations = [str(o) for o in g.objects() if getattr(o, "datatype", None) is not None and str(o.datatype) == XSD_DURATION]
plain = [str(o) for s, p, o in g if str(p) == str(DPV.hasDuration) and not hasattr(o, "n3") or (str(p) == str(DPV.hasDuration) and o.__class__.__name__ == "Literal")]
until_event = len(list(g.subjects(RDF.type, DPV.UntilEventDuration)))
temporal = len(list(g.subjects(RDF.type, DPV.TemporalDuration)))
transfers = []
for t in g.subjects(RDF.type, DPV.DataTransferLegalBasis):
    transfers.append({
        "recipient": str(g.value(t, DPV.hasRecipient)),
        "country": str(g.value(t, DPV.hasThirdCountry)),
        "types": sorted(str(x) for x in g.objects(t, RDF.type)),
    })
print(json.dumps({
    "expanded_nodes": len(expanded),
    "nquads": len(nquads.splitlines()),
    "triples": len(g),
    "duration_literals": durations,
    "literal_durations": plain,
    "until_event": until_event,
    "temporal": temporal,
    "transfers": transfers,
}))
