// Reads a reference file with citation-js (npm) and prints what it understood as CSL-JSON.
// Used by tests/test_interop.py: node to_csl.js FILE
const fs = require('fs');
const Cite = require('citation-js');

const text = fs.readFileSync(process.argv[2], 'utf8');
const data = new Cite(text).data;
process.stdout.write(JSON.stringify(data.map(({ _graph, ...rest }) => rest)));
