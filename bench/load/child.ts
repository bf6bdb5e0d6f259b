import { LoadContext, type LoadRequest, send } from './context.js';
import { RUNS } from './workloads.js';

// The load generator: one scenario per process, so every run starts from the same clean state.
process.once('message', (request: LoadRequest) => {
  if (request.type !== 'run') return;
  const ctx = new LoadContext(request.scenario, request.address);
  void RUNS[request.scenario.workload](ctx).then(
    (figures) => send({ type: 'result', figures }),
    (error: unknown) =>
      send({ type: 'result', figures: {}, error: error instanceof Error ? error.message : String(error) }),
  );
  // The parent reads this process's CPU time after the result, then stops it.
});
// Leave with the parent; a workload's own bounds normally end it first.
process.on('disconnect', () => process.exit(0));
