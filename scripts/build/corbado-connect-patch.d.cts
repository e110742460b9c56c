/** Types of corbado-connect-patch.cjs (plain CommonJS, so next.config.mjs and bundler loaders can load it). */
export declare const TARGET: RegExp;
export declare function patchCorbadoConnect(source: string, file: string): string;
