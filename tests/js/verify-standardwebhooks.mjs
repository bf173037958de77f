// Verifies one captured webhook with the official `standardwebhooks` npm package, an
// implementation independent of both `shared::signing` and the Rust crate the receiver uses.
// Input on stdin: {"secret": "whsec_...", "headers": {"webhook-id": ...}, "body": "..."}.
// Prints "valid" and exits 0, or prints the verifier's error and exits 1.
import { Webhook } from "standardwebhooks";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { secret, headers, body } = JSON.parse(input);
try {
  new Webhook(secret).verify(body, headers);
  console.log("valid");
} catch (e) {
  console.log(`invalid: ${e.message}`);
  process.exit(1);
}
