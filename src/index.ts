// The `switchboard` package entry: the Fastify plugin, buildServer, the configuration and its types.

export type { Bus } from './bus/bus.js';
export type { History } from './history/history.js';
export type { Authenticate, AuthRequest, AuthResult, Identity } from './ports/admission.js';
export type {
  EmitVerdict,
  HookAllow,
  HookRefusal,
  HookRequest,
  HookSender,
  Hooks,
  JoinVerdict,
  SayVerdict,
} from './ports/hooks.js';
export {
  buildServer,
  type SwitchboardDecoration,
  type SwitchboardOptions,
  switchboard,
} from './server/app.js';
export { type Config, ConfigError, ConfigSchema, describeConfig, loadConfig } from './server/config.js';
export type { RoomHandle } from './server/room-api.js';
export type { Transport } from './server/transport.js';
