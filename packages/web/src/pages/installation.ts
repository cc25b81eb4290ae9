import InstallationPage from '../components/installation/InstallationPage.vue'
import { mountPage } from '../mount'

mountPage(InstallationPage, 'me')
