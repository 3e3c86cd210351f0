// The local AWS emulator's IAM decision process: one JSON object per line in, one per line out.
//
// TEST TOOL ONLY, never shipped: it runs @cloud-copilot/iam-simulate (AGPL-3.0-or-later) as a
// child process of the emulator in tests/aws-emulator; nothing of it is part of the project's
// functions or templates.
//
// Request line:  {"id": <any>, "simulation": <iam-simulate Simulation>}
// Answer line:   {"id": <same>, "result": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied",
//                 "grants": [...], "denials": [...], "ignoredContextKeys": [...]}
//            or  {"id": <same>, "error": "<message>", "details": {...}}  (the input was invalid)
// Requests are answered as each finishes, so answers may come out of order; match them by id.
'use strict'

const readline = require('node:readline')
const { runSimulation, getDenialReasons, getGrantReasons } = require('@cloud-copilot/iam-simulate')

function write(answer) {
  process.stdout.write(JSON.stringify(answer) + '\n')
}

async function decide(simulation) {
  const response = await runSimulation(simulation, { simulationMode: 'Strict' })
  if (response.resultType === 'error') {
    return { error: response.errors.message, details: response.errors }
  }
  const results = response.resultType === 'single' ? [response.result] : response.results
  const grants = []
  const denials = []
  const ignoredContextKeys = []
  // The result of each policy type (identity, resource, pb, session, scp, rcp), per resource
  // simulated: tells which policy type an implicit deny lacks when no statement is to blame.
  const analyses = []
  for (const result of results) {
    if (!result || !result.analysis) continue
    const analysis = result.analysis
    if (analysis.result === 'Allowed') grants.push(...getGrantReasons(analysis))
    else denials.push(...getDenialReasons(analysis))
    ignoredContextKeys.push(...(result.ignoredContextKeys || []))
    analyses.push({
      result: analysis.result,
      sameAccount: analysis.sameAccount,
      identity: analysis.identityAnalysis && analysis.identityAnalysis.result,
      resource: analysis.resourceAnalysis && analysis.resourceAnalysis.result,
      pb: analysis.permissionBoundaryAnalysis && analysis.permissionBoundaryAnalysis.result,
      session: analysis.sessionAnalysis && analysis.sessionAnalysis.result,
      scp: analysis.scpAnalysis && analysis.scpAnalysis.result,
      rcp: analysis.rcpAnalysis && analysis.rcpAnalysis.result
    })
  }
  return { result: response.overallResult, grants, denials, ignoredContextKeys, analyses }
}

let pending = 0
let closed = false
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
lines.on('line', (line) => {
  if (!line.trim()) return
  let request
  try {
    request = JSON.parse(line)
  } catch (err) {
    write({ id: null, error: `invalid JSON: ${err.message}` })
    return
  }
  pending += 1
  decide(request.simulation)
    .then((answer) => write({ id: request.id, ...answer }))
    .catch((err) => write({ id: request.id, error: String((err && err.stack) || err) }))
    .finally(() => {
      pending -= 1
      if (closed && pending === 0) process.exit(0)
    })
})
// stdin closed (the emulator stopped): finish what is in flight, then end.
lines.on('close', () => {
  closed = true
  if (pending === 0) process.exit(0)
})
