// Moa for Android: `app` (the Activity and Android's platform pieces) over `ui` (the Compose
// screens, also drawn and tapped on the desktop by scripts/test.sh) over `presentation` (view
// models, pure Kotlin/JVM) over the generated Kotlin bindings.
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
include(":app", ":ui", ":presentation")
