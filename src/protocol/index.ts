export * from './encode.js';
export * from './errors.js';
export * from './limits.js';
export * from './names.js';
export * from './parse.js';
export * from './schemas.js';
