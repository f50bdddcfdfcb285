// Screen states and view models: pure Kotlin/JVM over the generated bindings, so that they are
// tested on a desktop JVM (scripts/test.sh compiles the same sources with kotlinc).
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin {
    jvmToolchain(17)
    // The bindings scripts/gen-bindings.sh generates (package app.moa.core).
    sourceSets["main"].kotlin.srcDir("../../bindings/generated/kotlin")
}

dependencies {
    api(libs.kotlinx.coroutines.core)
    // The app brings JNA as an Android AAR; here it is only compiled against (and run in tests).
    compileOnly(libs.jna)
    testImplementation(libs.jna)
    testImplementation(libs.kotlin.test)
}

// The tests are a plain main() over a real moa-server (as on CI): MOA_SERVER_URL must be set and
// the host library built (cargo build -p moa-ffi).
tasks.register<JavaExec>("presentationTest") {
    group = "verification"
    description = "View model tests against MOA_SERVER_URL with the host libmoa_ffi."
    classpath = sourceSets["test"].runtimeClasspath
    mainClass.set("app.moa.presentation.PresentationTestKt")
    jvmArgs("-Djna.library.path=${rootDir}/../target/debug")
}
