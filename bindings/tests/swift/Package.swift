// swift-tools-version:5.9
// The generated Swift bindings (module MoaCore) tested with XCTest against a real moa-server.
// scripts/lib/prepare-swift-package.sh copies the generated sources in; scripts/test.sh links the
// host cdylib (libmoa_ffi) with -L and an rpath.
import PackageDescription

let package = Package(
    name: "MoaBindingsTests",
    platforms: [.macOS(.v12), .iOS(.v15)],
    targets: [
        // The C side of the FFI. Its module map is ours, not the generated one, which says
        // `use "Darwin"` and so does not build on Linux.
        .systemLibrary(name: "MoaCoreFFI", path: "Sources/MoaCoreFFI"),
        .target(
            name: "MoaCore",
            dependencies: ["MoaCoreFFI"],
            path: "Sources/MoaCore",
            linkerSettings: [.linkedLibrary("moa_ffi")]
        ),
        .testTarget(name: "MoaCoreTests", dependencies: ["MoaCore"], path: "Tests/MoaCoreTests"),
    ]
)
