//! `#[moa_ffi_macros::export]`: the only way moa-ffi exports functions and methods.
//!
//! It expands to `#[uniffi::export]` and rewrites the body of every `async fn` to run on the
//! core's own tokio runtime (`moa_core::runtime::run_on_core`). A forgotten runtime shows up on a
//! phone only at run time ("no reactor running"); here it cannot be forgotten. The body is moved
//! into a `'static` task, so an async method must take `self: Arc<Self>` and owned arguments —
//! anything else fails to compile, which is the point.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, parse_quote, Block, ImplItem, Item};

#[proc_macro_attribute]
pub fn export(attr: TokenStream, item: TokenStream) -> TokenStream {
    let attr = proc_macro2::TokenStream::from(attr);
    let mut item = parse_macro_input!(item as Item);
    match &mut item {
        Item::Fn(f) if f.sig.asyncness.is_some() => on_core(&mut f.block),
        Item::Impl(block) => {
            for member in &mut block.items {
                if let ImplItem::Fn(f) = member {
                    if f.sig.asyncness.is_some() {
                        on_core(&mut f.block);
                    }
                }
            }
        }
        _ => {}
    }
    quote!(#[::uniffi::export(#attr)] #item).into()
}

fn on_core(block: &mut Block) {
    let body = block.clone();
    *block = parse_quote!({ ::moa_core::runtime::run_on_core(async move #body).await });
}
