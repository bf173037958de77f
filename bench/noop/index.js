// The floor for `cargo xtask bench`: a Worker that does nothing but answer 200, served by
// `wrangler dev` exactly like the real one, so the difference between the two is our code.
export default {
  fetch() {
    return new Response("ok");
  },
};
