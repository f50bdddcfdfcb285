//! The workspace's own `uniffi-bindgen`, version-locked to the library it generates bindings for.
fn main() {
    uniffi::uniffi_bindgen_main()
}
