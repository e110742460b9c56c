/** Webpack/Turbopack loader: applies scripts/build/corbado-connect-patch.cjs to Corbado Connect's bundled files. */
const { patchCorbadoConnect } = require('./corbado-connect-patch.cjs');

module.exports = function corbadoConnectLoader(source) {
  return patchCorbadoConnect(String(source), this.resourcePath);
};
