export * from './claims.js';
export * from './handshake-token.js';
export * from './sign.js';
export * from './verifier.js';
