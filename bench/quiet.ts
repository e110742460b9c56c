/** Imported first: notices the AWS SDK would print from every process about future Node versions. */
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.NEXT_TELEMETRY_DISABLED = '1';
