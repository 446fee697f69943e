// Test handlers for the execution-environment tests (CommonJS, as most Lambda Node.js code is).
/* global exports, setTimeout */
exports.handler = async (event, context) => ({
  echo: event,
  requestId: context.awsRequestId,
  arn: context.invokedFunctionArn,
  remaining: context.getRemainingTimeInMillis() > 0,
  env: {
    name: process.env.AWS_LAMBDA_FUNCTION_NAME,
    key: process.env.AWS_ACCESS_KEY_ID,
    api: process.env.AWS_LAMBDA_RUNTIME_API,
    trace: process.env._X_AMZN_TRACE_ID,
    custom: process.env.CUSTOM,
  },
});
exports.fails = async () => {
  throw new TypeError('boom');
};
exports.callback = (event, context, callback) => {
  setTimeout(() => callback(null, { viaCallback: true }), 5);
};
exports.sleeps = () => new Promise((resolve) => setTimeout(resolve, 60_000));
exports.exits = () => process.exit(3);
exports.logs = async () => {
  console.log('hello from the handler');
  return 'ok';
};
exports.pid = async () => process.pid;
