// Moa for Android: `app` (Jetpack Compose screens) over `presentation` (view models, pure
// Kotlin/JVM, tested on the desktop by scripts/test.sh) over the generated Kotlin bindings.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "Moa"
include(":app", ":presentation")
