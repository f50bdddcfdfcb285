// swift-tools-version:5.9
// MoaKit: the iOS app's view models over MoaCore (the Swift bindings). Foundation only — no
// SwiftUI, no Combine (and no Observation: see Observed.swift) — so that it builds and its tests run on Linux too,
// against the real bindings and a real moa-server (scripts/test.sh).
import PackageDescription

let package = Package(
    name: "MoaKit",
    platforms: [.macOS(.v12), .iOS(.v16)],
    products: [.library(name: "MoaKit", targets: ["MoaKit"])],
    dependencies: [.package(path: "../MoaCore")],
    targets: [
        .target(name: "MoaKit", dependencies: [.product(name: "MoaCore", package: "MoaCore")]),
        .testTarget(name: "MoaKitTests", dependencies: ["MoaKit"]),
    ]
)
