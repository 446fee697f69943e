/** EC2's error codes for the operations credplane serves (all HTTP 400 unless noted). */
import { AwsError } from '../errors.js';

export class InvalidInstanceIdNotFound extends AwsError {
  constructor(ids: readonly string[]) {
    super(
      'InvalidInstanceID.NotFound',
      ids.length === 1
        ? `The instance ID '${ids[0]}' does not exist`
        : `The instance IDs '${ids.join(', ')}' do not exist`,
    );
  }
}

export class InvalidInstanceIdMalformed extends AwsError {
  constructor(id: string) {
    super('InvalidInstanceID.Malformed', `Invalid id: "${id.slice(0, 64)}"`);
  }
}

export class InvalidParameterValue extends AwsError {
  constructor(message: string) {
    super('InvalidParameterValue', message);
  }
}

/** Two parameters that may not appear in the same request. */
export class InvalidParameterCombination extends AwsError {
  constructor(message: string) {
    super('InvalidParameterCombination', message);
  }
}

export class MissingParameter extends AwsError {
  constructor(name: string) {
    super('MissingParameter', `The request must contain the parameter ${name}`);
  }
}

export class InvalidAction extends AwsError {
  constructor(action: string) {
    super('InvalidAction', `The action ${action.slice(0, 64)} is not valid for this web service.`);
  }
}

export class InvalidInstanceProfile extends AwsError {
  constructor(message: string) {
    super('InvalidParameterValue', message);
  }
}

/** `AssociateIamInstanceProfile` on an instance that already has an association. */
export class IncorrectState extends AwsError {
  constructor(message: string) {
    super('IncorrectState', message);
  }
}

/** A parameter value credplane recognises but does not emulate. */
export class UnsupportedOperation extends AwsError {
  constructor(message: string) {
    super('UnsupportedOperation', message);
  }
}

/** `DryRun=true` on a request the caller is allowed to make: EC2 answers 412 and does nothing. */
export class DryRunOperation extends AwsError {
  constructor() {
    super('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', { status: 412 });
  }
}
